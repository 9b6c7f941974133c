#!/usr/bin/env python
"""Write README.md from nbs/index.ipynb, without Quarto (which `nbdev-readme` needs and offline machines lack).

usage: python tools/make_readme.py [--check]
Markdown cells are copied, code cells become ```python blocks (their text output follows in a plain block),
cells marked `#| hide` are left out and `#|` directive lines are dropped. --check exits 1 when README.md is
out of step with index.ipynb instead of writing it."""
import json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def _directives(src):
    return [l.strip() for l in src.splitlines() if l.strip().startswith('#|')]

def _is_hidden(src):
    return any(d.replace(' ', '') in ('#|hide', '#|include:false', '#|echo:false') for d in _directives(src))

def readme_text(nb_path=ROOT/'nbs'/'index.ipynb') -> str:
    "The README's text for the notebook at `nb_path`."
    nb = json.loads(Path(nb_path).read_text(encoding='utf-8'))
    parts = []
    for cell in nb['cells']:
        src = ''.join(cell['source'])
        if cell['cell_type'] == 'markdown':
            # images sit beside the notebook (nbs/images) while README.md sits at the repository's root
            parts.append(src.strip().replace('](images/', '](nbs/images/'))
            continue
        if _is_hidden(src): continue
        code = '\n'.join(l for l in src.splitlines() if not l.strip().startswith('#|')).strip()
        if code: parts.append(f"```python\n{code}\n```")
        out = ''.join(''.join(o.get('text', '')) for o in cell.get('outputs', []) if o.get('output_type') == 'stream')
        if out.strip(): parts.append(f"```\n{out.rstrip()}\n```")
    return '\n\n'.join(parts) + '\n'

if __name__ == '__main__':
    text, readme = readme_text(), ROOT/'README.md'
    if '--check' in sys.argv:
        if not readme.exists() or readme.read_text(encoding='utf-8') != text:
            print("README.md is out of step with nbs/index.ipynb: run `python tools/make_readme.py` and commit it.")
            sys.exit(1)
        print("README.md is in step with nbs/index.ipynb.")
    else:
        readme.write_text(text, encoding='utf-8'); print(f"wrote {readme}")
