__version__ = "0.0.1"
# `import charrnn_fastai as cf` gives the whole kit (see nbs/99_all.ipynb); the submodules import on their own too
from .all import *
from .all import __all__
