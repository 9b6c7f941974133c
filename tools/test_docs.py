#!/usr/bin/env python
"""Open every page of the built docs site in headless Chromium and check it.

usage: python tools/test_docs.py SITE_DIR [--screenshots DIR] [--chromium PATH] [--chromedriver PATH]
                                   [--standalone PAGE ...]

SITE_DIR is what `python tools/build_docs.py SITE_DIR` wrote. The pages are served by a local http.server
(started and stopped here), and for every page the test checks that:
- it loaded (document complete, a title, a sidebar and a main column) without errors in the browser console
  (JavaScript errors, resources that failed to load);
- every image is present and decoded (`complete` and `naturalWidth > 0`);
- every link in the sidebar and header, and every relative link in the page, resolves: the target page
  exists and, for a `#fragment`, an element with that id is on it;
- the sidebar links to every page of the site.
Exit status 0 when all pages pass, 1 otherwise (each problem is printed on one line).

Needs Chromium and its driver from the system's packages (Debian: `apt-get install -y chromium chromium-driver`)
and `pip install selenium` (selenium is told where chromedriver is, so it never downloads a browser)."""
from __future__ import annotations
import argparse, functools, http.server, shutil, sys, tempfile, threading
from pathlib import Path
from urllib.parse import urldefrag, urlparse

CHROME_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                '--disable-background-networking', '--disable-component-update', '--disable-sync',
                '--disable-dev-shm-usage', '--window-size=1280,900']

def serve(root:Path):
    "A quiet http.server on a free localhost port serving `root`; returns (server, base_url)."
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args): pass
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f'http://127.0.0.1:{httpd.server_address[1]}/'

def find(name, given=None, candidates=()):
    for c in [given, *candidates, shutil.which(name)]:
        if c and Path(c).exists(): return c
    sys.exit(f"Can't find {name}: install it (Debian: apt-get install -y chromium chromium-driver) or pass --{name.split('-')[0]} PATH.")

def make_driver(chromium:str, chromedriver:str, profile:str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for f in CHROME_FLAGS + [f'--user-data-dir={profile}']: opts.add_argument(f)
    opts.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    return webdriver.Chrome(service=Service(executable_path=chromedriver), options=opts)

PAGE_INFO_JS = """
const abs = a => a.href;
return {
  ready: document.readyState,
  title: document.title,
  has_nav: !!document.querySelector('nav.sidebar'),
  has_main: !!document.querySelector('main'),
  ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id).concat(
       Array.from(document.querySelectorAll('a[name]')).map(e => e.name)),
  images: Array.from(document.images).map(i => ({src: i.src.slice(0, 80), ok: i.complete && i.naturalWidth > 0,
                                                 w: i.naturalWidth})),
  nav_links: Array.from(document.querySelectorAll('nav.sidebar a, header a')).map(abs),
  links: Array.from(document.querySelectorAll('main a[href]')).map(abs),
};
"""

def check_site(site:Path, chromium:str, chromedriver:str, screenshots:Path|None=None) -> list:
    "Problems found on the pages of `site` (an empty list when all is well)."
    pages = sorted(str(p.relative_to(site)).replace('\\', '/') for p in site.rglob('*.html'))
    if not pages: return [f'{site}: no pages (run tools/build_docs.py first)']
    httpd, base = serve(site)
    problems, info, profile = [], {}, tempfile.mkdtemp(prefix='chromium-profile-')
    driver = make_driver(chromium, chromedriver, profile)
    try:
        driver.set_page_load_timeout(60)
        for page in pages:
            driver.get(base + page)
            d = driver.execute_script(PAGE_INFO_JS)
            info[page] = d
            logs = [l for l in driver.get_log('browser') if l['level'] in ('SEVERE', 'ERROR')]
            for l in logs: problems.append(f'{page}: console error: {l["message"][:200]}')
            if d['ready'] != 'complete': problems.append(f'{page}: did not finish loading ({d["ready"]})')
            if not d['title'].strip(): problems.append(f'{page}: no title')
            if not (d['has_nav'] and d['has_main']): problems.append(f'{page}: no sidebar or main column')
            for im in d['images']:
                if not im['ok']: problems.append(f'{page}: image not loaded: {im["src"]}')
            if screenshots:
                screenshots.mkdir(parents=True, exist_ok=True)
                driver.save_screenshot(str(screenshots / (page.replace('/', '__')[:-5] + '.png')))
            print(f'{page:32s} {len(d["images"]):3d} images {len(d["nav_links"]):3d} nav links {len(d["links"]):4d} links'
                  f'{"  console errors: " + str(len(logs)) if logs else ""}', flush=True)
    finally:
        driver.quit()
        httpd.shutdown()
        shutil.rmtree(profile, ignore_errors=True)
    # links: navigation links must all resolve; relative links in the text must resolve when they point into the site
    for page, d in info.items():
        for kind, urls in (('nav link', d['nav_links']), ('link', d['links'])):
            for url in urls:
                if not url.startswith(base):
                    if kind == 'nav link' and urlparse(url).scheme in ('http', 'https', 'file') and '127.0.0.1' in url:
                        problems.append(f'{page}: {kind} leaves the site: {url}')
                    continue
                path, frag = urldefrag(url)
                target = path[len(base):] or 'index.html'
                if target.endswith('/'): target += 'index.html'
                if target not in info: problems.append(f'{page}: {kind} to a missing page: {target}')
                elif frag and frag not in info[target]['ids']: problems.append(f'{page}: {kind} to a missing anchor: {target}#{frag}')
    reached = {urldefrag(u)[0][len(base):] for d in info.values() for u in d['nav_links'] if u.startswith(base)}
    for page in pages:
        if page not in reached: problems.append(f'{page}: no sidebar link leads to it')
    return problems

def check_standalone(pages:list, chromium:str, chromedriver:str, screenshots:Path|None=None) -> list:
    "Problems on self-contained pages (e.g. a `charrnn-inspect` page): loads, a title, no console errors, images ok."
    problems, profile = [], tempfile.mkdtemp(prefix='chromium-profile-')
    driver = make_driver(chromium, chromedriver, profile)
    try:
        driver.set_page_load_timeout(60)
        for page in map(Path, pages):
            driver.get(page.resolve().as_uri())
            d = driver.execute_script(PAGE_INFO_JS)
            for l in driver.get_log('browser'):
                if l['level'] in ('SEVERE', 'ERROR'): problems.append(f'{page}: console error: {l["message"][:200]}')
            if d['ready'] != 'complete': problems.append(f'{page}: did not finish loading ({d["ready"]})')
            if not d['title'].strip(): problems.append(f'{page}: no title')
            for im in d['images']:
                if not im['ok']: problems.append(f'{page}: image not loaded: {im["src"]}')
            if screenshots:
                screenshots.mkdir(parents=True, exist_ok=True)
                driver.save_screenshot(str(screenshots / (page.stem + '.png')))
            print(f'{page}  {len(d["images"])} images  {len(d["links"])} links', flush=True)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    return problems

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('site', help='the folder tools/build_docs.py wrote')
    p.add_argument('--screenshots', type=Path, help='save a screenshot of every page here')
    p.add_argument('--chromium', help='the Chromium binary (default: chromium on PATH)')
    p.add_argument('--chromedriver', help='the chromedriver binary (default: chromedriver on PATH)')
    p.add_argument('--standalone', nargs='*', default=[], help='also check these self-contained pages (no sidebar needed)')
    a = p.parse_args(argv)
    chromium = find('chromium', a.chromium, ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'])
    chromedriver = find('chromedriver', a.chromedriver, ['/usr/bin/chromedriver'])
    problems = check_site(Path(a.site).resolve(), chromium, chromedriver, a.screenshots)
    if a.standalone: problems += check_standalone(a.standalone, chromium, chromedriver, a.screenshots)
    for pr in problems: print('FAIL', pr)
    print('docs browser test:', 'passed' if not problems else f'{len(problems)} problem(s)')
    return 1 if problems else 0

if __name__ == '__main__': sys.exit(main())
