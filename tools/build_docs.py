#!/usr/bin/env python
"""Build the documentation site as static HTML without Quarto: nbdev's notebook processing + nbconvert.

usage: python tools/build_docs.py OUT_DIR [--execute all|showdoc|none] [--only REGEX] [--workers N]
                                          [--nb-timeout SECONDS] [--cell-timeout SECONDS] [--keep-going] [--reuse]

Quarto (what `nbdev-docs` uses) can't be installed on a machine without internet access; this builds the same
pages from the same notebooks with what `pip install -e ".[dev]"` brings:

1. Each notebook in nbs/sidebar.yml (and any other notebook under nbs/) goes through nbdev's documentation
   processors (`FilterDefaults`: show_doc for every exported symbol, hidden cells dropped, directives removed,
   links to symbols added), in a fresh process with the notebook's folder as working directory.
2. `--execute all` (the default) runs every code cell except those flagged with one of the project's
   `tst_flags` (slow, cuda, notest) or `#| eval: false`, as `nbdev-test` does, so pictures and tables appear;
   `showdoc` runs only what show_doc needs (definitions and imports), `none` keeps the saved outputs.
   Cells that are not run keep the outputs saved in the notebook, if any: a `#| cuda` cell run once on a GPU
   and saved with its output shows that output in the docs.
   A notebook that errors or runs past --nb-timeout fails the build (or, with --keep-going, is rendered
   without outputs and reported).
3. nbconvert renders each processed notebook to HTML; the page gets the sidebar as navigation, images as
   base64 data URIs (no files beside the page), and links rewritten so they work offline: notebook links
   (`09_learner.ipynb`) and links into the published site become relative links to the built pages.

Page names follow nbdev: `02_data.ipynb` -> `data.html`, `tutorials/shakespeare.ipynb` -> `tutorials/shakespeare.html`.
Open OUT_DIR/index.html in a browser, or test it with `python tools/test_docs.py OUT_DIR`."""
from __future__ import annotations
import argparse, base64, html, json, mimetypes, os, re, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT / 'nbs'

# ---------------------------------------------------------------------------------------------------------
# Child process: process (and execute) one notebook, write the processed notebook as JSON
# ---------------------------------------------------------------------------------------------------------

def process_notebook(src:Path, dst:Path, execute:str, cell_timeout:int):
    "Run nbdev's documentation processors on `src`, executing cells as `execute` says; write the result to `dst`."
    from fastcore.nbio import read_nb, nb2str, does_cell_eval, fm_default_eval
    from execnb.shell import CaptureShell
    from nbdev.config import get_config
    from nbdev.process import Processor
    from nbdev import processors as P
    cfg = get_config()
    skip_flags = set(str(cfg.get('tst_flags', '')).split())

    class exec_all(Processor):
        "Execute every code cell not flagged to skip (as nbdev-test does), keeping its outputs."
        def begin(self):
            self.k = CaptureShell(timeout=cell_timeout)
            self.k.run_cell('from nbdev.showdoc import show_doc')
            # progress bars are terminal animations: keep fastai's epoch table, drop the bars
            self.k.run_cell('import fastprogress.fastprogress as _fp; _fp.NO_BAR = True; del _fp')
        def __call__(self, cell):
            if cell.cell_type != 'code' or not getattr(cell, 'source', None): return
            default = fm_default_eval(getattr(self.nb, 'frontmatter_', {}) or {})   # nbdev-test's rules: flags, `eval`
            if skip_flags & set(cell.directives_) or not does_cell_eval(cell, default):
                return   # not run: it keeps the outputs saved in the notebook, if any (e.g. GPU numbers from a GPU run)
            cell.outputs = []   # fresh outputs only
            self.k.cell(cell)
            if self.k.exc:
                e = self.k.exc
                raise RuntimeError(f"cell {cell.idx_} failed:\n{cell.source}\n{type(e).__name__}: {e}") from None

    class Procs(P.FilterDefaults):
        def base_procs(self):
            procs = super().base_procs()
            if execute == 'all': return [exec_all if p is P.exec_show_docs else p for p in procs]
            if execute == 'none': return [p for p in procs if p is not P.exec_show_docs]
            return procs

    nb = read_nb(src)
    os.chdir(src.parent)
    Procs()(nb)
    dst.write_text(nb2str(nb), encoding='utf-8')

# ---------------------------------------------------------------------------------------------------------
# Parent: which notebooks, what page names, the sidebar
# ---------------------------------------------------------------------------------------------------------

def page_name(nb_rel:str) -> str:
    "The page a notebook becomes, as nbdev names it: `02_data.ipynb` -> `data.html`."
    from nbdev.config import nbpath2html
    return nbpath2html(nb_rel).as_posix()

def read_sidebar() -> list:
    "The sidebar from nbs/sidebar.yml: a list of entries, each a notebook path or (section title, [entries])."
    import yaml
    f = NBS / 'sidebar.yml'
    if not f.exists(): return []
    def conv(items):
        out = []
        for it in items or []:
            if isinstance(it, str): out.append(it)
            elif isinstance(it, dict) and 'section' in it: out.append((it['section'], conv(it.get('contents'))))
            elif isinstance(it, dict) and 'href' in it: out.append(it['href'])
        return out
    return conv(yaml.safe_load(f.read_text())['website']['sidebar']['contents'])

def sidebar_notebooks(entries) -> list:
    out = []
    for e in entries:
        if isinstance(e, str): out.append(e)
        else: out += sidebar_notebooks(e[1])
    return out

def all_notebooks() -> list:
    return sorted(str(p.relative_to(NBS)).replace(os.sep, '/') for p in NBS.rglob('*.ipynb')
                  if not any(part.startswith(('_', '.')) for part in p.relative_to(NBS).parts))

# ---------------------------------------------------------------------------------------------------------
# Rendering a processed notebook to an HTML fragment
# ---------------------------------------------------------------------------------------------------------

_re_directive = re.compile(r'^\s*#\|\s*([\w-]+)\s*:\s*(.*?)\s*$')

def _quarto_cell_options(nb):
    "Apply the Quarto cell options nbdev leaves in code cells (echo, output, include), then drop them."
    cells = []
    for c in nb['cells']:
        if c['cell_type'] == 'raw': continue   # front matter: rendered as the page header instead
        if c['cell_type'] == 'code':
            lines, opts = ''.join(c['source']).splitlines(), {}
            while lines and _re_directive.match(lines[0]):
                k, v = _re_directive.match(lines[0]).groups(); opts[k] = v.strip('"\'').lower(); lines.pop(0)
            c['source'] = '\n'.join(lines)
            if opts.get('include') == 'false': continue
            if opts.get('output') == 'false': c['outputs'] = []
            if opts.get('echo') == 'false' or not c['source'].strip():
                c.setdefault('metadata', {}).setdefault('tags', []).append('remove_input')
            if not c['source'].strip() and not c.get('outputs'): continue
        cells.append(c)
    nb['cells'] = cells
    return nb

def _front_matter(nb) -> dict:
    import yaml
    for c in nb['cells']:
        if c['cell_type'] == 'raw':
            src = ''.join(c['source']).strip()
            if src.startswith('---'):
                try: return yaml.safe_load(src.strip('-\n')) or {}
                except yaml.YAMLError: return {}
    return {}

_re_callout_open = re.compile(r'^:::+\s*\{\.callout-(\w+)[^}]*\}\s*$', re.MULTILINE)
_re_fence = re.compile(r'^:::+\s*(\{[^}]*\})?\s*$', re.MULTILINE)
_re_quarto_attrs = re.compile(r'(\]\([^)\s]*\))\{[^}]*\}')

def _md_fixups(src:str) -> str:
    "Quarto-only markdown to plain markdown: callouts to divs, other fenced divs and link attributes dropped."
    src = _re_callout_open.sub(lambda m: f'\n<div class="callout callout-{m.group(1)}">\n', src)
    src = _re_fence.sub('\n</div>\n' if '<div class="callout' in src else '', src)
    return _re_quarto_attrs.sub(r'\1', src)

# Remote badges the notebooks show, and the local copy the offline site embeds instead
LOCAL_COPIES = {'https://colab.research.google.com/assets/colab-badge.svg': NBS / 'images' / 'colab-badge.svg'}

def _embed_md_images(src:str, nb_dir:Path) -> str:
    "Markdown images that point at local files (or at a badge with a local copy) become data URIs: pages need no other file."
    def repl(m):
        alt, url = m.group(1), m.group(2)
        if url in LOCAL_COPIES: url = str(LOCAL_COPIES[url])
        elif re.match(r'^(https?:|data:)', url): return m.group(0)
        f = (nb_dir / url).resolve()
        if not f.is_file(): return m.group(0)
        mime = mimetypes.guess_type(f.name)[0] or 'image/png'
        return f'![{alt}](data:{mime};base64,{base64.b64encode(f.read_bytes()).decode()})'
    return re.sub(r'!\[([^\]]*)\]\(([^)\s]+)\)', repl, src)

def _as_terminal_shows(text:str) -> str:
    "Stream text as a terminal leaves it: after a carriage return a line is overwritten (progress bars, spinners)."
    lines = [l.rstrip('\r').split('\r')[-1].rstrip() for l in text.split('\n')]
    out = '\n'.join(l for i, l in enumerate(lines) if l or i == len(lines) - 1)
    return out

def render_fragment(nb:dict, nb_dir:Path) -> str:
    "The body HTML of a processed notebook (nbconvert's `basic` template)."
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config
    nb = _quarto_cell_options(nb)
    keep = {'cell_type', 'id', 'metadata', 'source', 'outputs', 'execution_count', 'attachments'}
    nb['cells'] = [{k: v for k, v in c.items() if k in keep} for c in nb['cells']]
    for c in nb['cells']: c['metadata'] = {'tags': c.get('metadata', {}).get('tags', [])}
    for c in nb['cells']:
        if c['cell_type'] == 'markdown': c['source'] = _embed_md_images(_md_fixups(''.join(c['source'])), nb_dir)
        # warnings on stderr are noise for a reader of the docs
        if c['cell_type'] != 'code': continue
        c['outputs'] = [o for o in c.get('outputs', []) if not (o.get('output_type') == 'stream' and o.get('name') == 'stderr')]
        for o in c['outputs']:
            if isinstance(o.get('text'), list): o['text'] = ''.join(o['text'])
            if o.get('output_type') == 'stream': o['text'] = _as_terminal_shows(o['text'])
            for mime, v in o.get('data', {}).items():   # multi-line values may be stored as lists of lines
                if isinstance(v, list) and not mime.endswith('json'): o['data'][mime] = ''.join(v)
            md = o.get('data', {}).get('text/markdown')
            if md is not None: o['data']['text/markdown'] = _md_fixups(''.join(md))
    cfg = Config()
    cfg.TagRemovePreprocessor.remove_input_tags = {'remove_input'}
    cfg.TagRemovePreprocessor.enabled = True
    exp = HTMLExporter(config=cfg, template_name='basic')
    exp.register_preprocessor('nbconvert.preprocessors.TagRemovePreprocessor', enabled=True)
    node = nbformat.from_dict(nb)
    node.setdefault('metadata', {})['kernelspec'] = dict(name='python3', display_name='Python 3', language='python')
    body, _ = exp.from_notebook_node(nbformat.validator.normalize(node)[1] if hasattr(nbformat.validator, 'normalize') else node)
    return body

# ---------------------------------------------------------------------------------------------------------
# Links and the page shell
# ---------------------------------------------------------------------------------------------------------

def _rel(target:str, page:str) -> str:
    "`target` (a site path like 'tutorials/x.html') relative to the folder of `page`."
    return os.path.relpath(target, os.path.dirname(page) or '.').replace(os.sep, '/')

def fix_links(body:str, page:str, nb_rel:str, site_url:str, pages:set) -> str:
    "Rewrite notebook links and links into the published site as relative links between the built pages."
    def repl(m):
        q, url = m.group(1), html.unescape(m.group(2))
        target = None
        if site_url and url.startswith(site_url):
            path, _, frag = url[len(site_url):].partition('#')
            path = re.sub(r'\.html\.md$', '.html', path.lstrip('/')) or 'index.html'
            if path in pages: target = path + (f'#{frag}' if frag else '')
        elif not re.match(r'^[a-z][a-z0-9+.-]*:|^#|^/', url):
            path, _, frag = url.partition('#')
            if path.endswith('.ipynb'):
                site_path = os.path.normpath(os.path.join(os.path.dirname(nb_rel), path)).replace(os.sep, '/')
                target = page_name(site_path) + (f'#{frag}' if frag else '')
        if target is None: return m.group(0)
        return f'href={q}{html.escape(_rel(target, page) if not target.startswith("#") else target)}{q}'
    return re.sub(r'href=(["\'])(.*?)\1', repl, body)

def _nav_html(entries, titles:dict, page:str) -> str:
    out = ['<ul>']
    for e in entries:
        if isinstance(e, str):
            if e not in titles: continue
            target = page_name(e)
            cls = ' class="active"' if target == page else ''
            out.append(f'<li><a{cls} href="{html.escape(_rel(target, page))}">{html.escape(titles[e])}</a></li>')
        else:
            inner = _nav_html(e[1], titles, page)
            if '<li>' in inner: out.append(f'<li class="section"><span>{html.escape(e[0])}</span>{inner}</li>')
    out.append('</ul>')
    return ''.join(out)

CSS = """
:root { --fg:#1d2327; --muted:#5f6b73; --accent:#2c6fbb; --bg-code:#f6f8fa; --border:#e3e7ea; }
* { box-sizing: border-box; }
body { margin:0; font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); }
a { color:var(--accent); text-decoration:none; } a:hover { text-decoration:underline; }
header.top { position:sticky; top:0; z-index:2; background:#fff; border-bottom:1px solid var(--border);
  padding:.6rem 1.2rem; display:flex; gap:1rem; align-items:center; }
header.top .site { font-weight:700; color:var(--fg); font-size:1.1rem; } header.top .links { margin-left:auto; font-size:.9rem; }
.layout { display:flex; align-items:flex-start; }
nav.sidebar { position:sticky; top:3.2rem; width:15rem; flex:none; max-height:calc(100vh - 3.2rem); overflow:auto;
  padding:1rem .8rem 2rem 1.2rem; font-size:.92rem; border-right:1px solid var(--border); }
nav.sidebar ul { list-style:none; padding-left:0; margin:0; } nav.sidebar li { margin:.15rem 0; }
nav.sidebar li.section > span { display:block; margin-top:.8rem; font-weight:600; color:var(--muted);
  text-transform:uppercase; font-size:.75rem; letter-spacing:.05em; }
nav.sidebar li.section ul { padding-left:.4rem; }
nav.sidebar a.active { font-weight:700; color:var(--fg); }
main { flex:1; min-width:0; max-width:58rem; padding:1rem 2rem 4rem; }
main h1.title { margin-bottom:.2rem; } p.description { color:var(--muted); font-size:1.1rem; margin-top:0; }
.prompt { display:none; }
pre, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:.86rem; }
.input_area, .highlight { background:var(--bg-code); border-radius:6px; }
pre { padding:.7rem .9rem; overflow:auto; line-height:1.45; margin:.4rem 0; }
.code_cell { margin: .8rem 0; }
.output_text pre, .output_stream pre { background:#fff; border-left:3px solid #f0b49e; border-radius:0; padding:.3rem .9rem; }
.output_png img, main img { max-width:100%; height:auto; }
.output_markdown pre { background:var(--bg-code); }
.output_html { overflow-x:auto; }
.output_markdown > hr:first-child { margin-top:1.8rem; }
.anchor-link { opacity:0; margin-left:.3rem; font-size:.8em; } h1:hover .anchor-link, h2:hover .anchor-link, h3:hover .anchor-link, h4:hover .anchor-link { opacity:1; }
hr { border:none; border-top:1px solid var(--border); }
.callout { border-left:4px solid var(--accent); background:#f3f7fc; padding:.3rem 1rem; margin:1rem 0; border-radius:4px; }
.callout-warning, .callout-important { border-color:#d9822b; background:#fdf6ee; }
footer { color:var(--muted); font-size:.85rem; margin-top:3rem; border-top:1px solid var(--border); padding-top:.8rem; }
@media (max-width: 800px) { .layout { display:block; } nav.sidebar { position:static; width:auto; max-height:none; border:none; } }
"""

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} – {site}</title>
<meta name="description" content="{description}">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{css}">
</head><body>
<header class="top"><a class="site" href="{home}">{site}</a><span class="links">{links}</span></header>
<div class="layout">
<nav class="sidebar" aria-label="Pages">{nav}</nav>
<main>
<h1 class="title">{title}</h1>
{description_html}
{body}
<footer>Built from <code>nbs/{nb}</code> with nbdev and nbconvert (<code>tools/build_docs.py</code>).</footer>
</main></div>
</body></html>
"""

def _site_css() -> str:
    from pygments.formatters import HtmlFormatter
    extra = (NBS / 'styles.css').read_text() if (NBS / 'styles.css').exists() else ''
    return CSS + HtmlFormatter(style='default').get_style_defs('.highlight') + '\n' + extra

def _config():
    import yaml
    cfg = {}
    for f in (NBS / '_quarto.yml', NBS / 'nbdev.yml'):
        if f.exists(): cfg.update((yaml.safe_load(f.read_text()) or {}).get('website', {}))
    return cfg

def _title_from_nb(nb_path:Path) -> tuple:
    "The `# Title` and `> description` of a notebook's first markdown cell."
    nb = json.loads(nb_path.read_text(encoding='utf-8'))
    for c in nb['cells']:
        if c['cell_type'] != 'markdown': continue
        src = ''.join(c['source'])
        m = re.search(r'^#\s+(.+)$', src, re.MULTILINE)
        if m:
            d = re.search(r'^>\s*(.+)$', src, re.MULTILINE)
            return m.group(1).strip(), (d.group(1).strip() if d else '')
    return nb_path.stem, ''

def _md_inline(s:str) -> str:
    "Backticks in a description to <code>."
    return re.sub(r'`([^`]+)`', r'<code>\1</code>', html.escape(s))

# ---------------------------------------------------------------------------------------------------------

def build(out:Path, execute:str='all', only:str|None=None, workers:int=1, nb_timeout:int=600,
          cell_timeout:int=300, keep_going:bool=False, reuse:bool=False) -> int:
    out.mkdir(parents=True, exist_ok=True)
    entries = read_sidebar()
    listed = sidebar_notebooks(entries)
    found = all_notebooks()
    for nb in listed:
        if nb not in found: print(f'note: nbs/sidebar.yml lists {nb}, which does not exist: left out', file=sys.stderr)
    nbs = [nb for nb in listed if nb in found] + [nb for nb in found if nb not in listed]
    if not entries: entries = nbs
    elif any(nb not in listed for nb in nbs): entries = entries + [('Other', [nb for nb in nbs if nb not in listed])]
    titles = {nb: _title_from_nb(NBS / nb)[0] for nb in nbs}
    pages = {page_name(nb) for nb in nbs}
    todo = [nb for nb in nbs if not only or re.search(only, nb)]
    cfg = _config()
    site_url = str(cfg.get('site-url', '')).rstrip('/') + '/' if cfg.get('site-url') else ''
    site, repo = cfg.get('title', 'Documentation'), cfg.get('repo-url', '')
    (out / 'site.css').write_text(_site_css(), encoding='utf-8')
    tmp = out / '.processed'; tmp.mkdir(exist_ok=True)
    env = dict(os.environ)
    if workers > 1: env.setdefault('OMP_NUM_THREADS', str(max(1, (os.cpu_count() or 2) // workers)))

    def one(nb):
        t0, dst = time.time(), tmp / (nb.replace('/', '__') + '.json')
        if reuse and dst.exists() and dst.stat().st_mtime > (NBS / nb).stat().st_mtime: return render(nb, t0, None)
        cmd = [sys.executable, __file__, '--process', str(NBS / nb), str(dst), '--execute', execute,
               '--cell-timeout', str(cell_timeout)]
        try:
            r = subprocess.run(cmd, cwd=NBS / Path(nb).parent, env=env, capture_output=True, text=True, timeout=nb_timeout)
            err = None if r.returncode == 0 else (r.stderr.strip().splitlines() or ['(no message)'])
        except subprocess.TimeoutExpired: err = [f'ran past --nb-timeout {nb_timeout}s']
        if err and keep_going:
            # render without outputs, so the page exists and the failure is visible in the log
            r2 = subprocess.run(cmd[:-4] + ['--execute', 'none', '--cell-timeout', str(cell_timeout)],
                                cwd=NBS / Path(nb).parent, env=env, capture_output=True, text=True)
            if r2.returncode != 0: return nb, time.time() - t0, err
        elif err: return nb, time.time() - t0, err
        return render(nb, t0, err)

    def render(nb, t0, err):
        dst = tmp / (nb.replace('/', '__') + '.json')
        page = page_name(nb)
        nbd = json.loads(dst.read_text(encoding='utf-8'))
        fm = _front_matter(nbd)
        title, desc = fm.get('title') or titles[nb], fm.get('description') or _title_from_nb(NBS / nb)[1]
        body = fix_links(render_fragment(nbd, (NBS / nb).parent), page, nb, site_url, pages)
        doc = PAGE.format(title=html.escape(title), site=html.escape(site), description=html.escape(desc),
                          description_html=f'<p class="description">{_md_inline(desc)}</p>' if desc else '',
                          css=_rel('site.css', page), home=_rel('index.html', page) if 'index.html' in pages else '#',
                          links=f'<a href="{html.escape(repo)}">GitHub</a>' if repo else '',
                          nav=_nav_html(entries, titles, page), body=body, nb=html.escape(nb))
        (out / page).parent.mkdir(parents=True, exist_ok=True)
        (out / page).write_text(doc, encoding='utf-8')
        return nb, time.time() - t0, err

    failed = []
    with ThreadPoolExecutor(max(1, workers)) as ex:
        for nb, secs, err in ex.map(one, todo):
            status = 'ok' if not err else ('rendered without outputs: ' if keep_going else 'FAILED: ') + err[-1]
            print(f'{nb:40s} -> {page_name(nb):30s} {secs:6.1f}s  {status}', flush=True)
            if err:
                failed.append(nb)
                print('\n'.join('    ' + l for l in err[-25:]), file=sys.stderr)
    if not reuse:
        for f in tmp.iterdir(): f.unlink()
        tmp.rmdir()
    print(f'{len(todo) - (0 if keep_going else len(failed))} pages in {out}' + (f'; {len(failed)} notebook(s) failed: {", ".join(failed)}' if failed else ''))
    return 1 if failed else 0

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('out', nargs='?', help='output folder for the site')
    p.add_argument('--execute', choices=('all', 'showdoc', 'none'), default='all',
                   help='run every unflagged cell (all), only what show_doc needs (showdoc), or nothing (none)')
    p.add_argument('--only', help='build only the notebooks whose path matches this regex (the sidebar still lists all)')
    p.add_argument('--workers', type=int, default=1, help='notebooks processed at once')
    p.add_argument('--nb-timeout', type=int, default=600, help='seconds one notebook may take')
    p.add_argument('--cell-timeout', type=int, default=300, help='seconds one cell may take')
    p.add_argument('--keep-going', action='store_true', help='render a failing notebook without outputs; still exit 1')
    p.add_argument('--reuse', action='store_true', help='keep processed notebooks in OUT_DIR/.processed and reuse them while newer than the notebook (for editing the look)')
    p.add_argument('--process', nargs=2, metavar=('NB', 'OUT_JSON'), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.process:
        process_notebook(Path(a.process[0]).resolve(), Path(a.process[1]).resolve(), a.execute, a.cell_timeout)
        return 0
    if not a.out: p.error('give an OUT_DIR')
    os.chdir(ROOT)
    return build(Path(a.out).resolve(), a.execute, a.only, a.workers, a.nb_timeout, a.cell_timeout, a.keep_going, a.reuse)

if __name__ == '__main__': sys.exit(main())
