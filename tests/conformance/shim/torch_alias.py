"""Make ``import torch`` (and every ``torch.X``) resolve to deepgrad's modules.

A finder on ``sys.meta_path`` answers for the name ``torch`` and every name below
it: ``torch.nn.functional`` is served by ``deepgrad.nn.functional``, the same
module object, so ``torch.nn.functional is deepgrad.nn.functional``. Nothing in
deepgrad is patched or wrapped: a program that runs under the alias runs on
deepgrad exactly as deepgrad is. A module deepgrad lacks raises
``ModuleNotFoundError`` naming both names, so a missing piece reads plainly in
the program's traceback.
"""
import importlib
import importlib.abc
import importlib.util
import sys

ALIAS, TARGET = "torch", "deepgrad"


def _target_name(fullname):
    """``torch.nn.functional`` -> ``deepgrad.nn.functional``."""
    return TARGET + fullname[len(ALIAS):]


class _ExistingModuleLoader(importlib.abc.Loader):
    """Hands the import system a module that is already loaded (deepgrad's)."""

    def __init__(self, module):
        self.module = module

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        # deepgrad's module has already run its code when it was imported
        pass


class TorchAliasFinder(importlib.abc.MetaPathFinder):
    """Serves ``torch`` and ``torch.*`` with the matching ``deepgrad`` modules."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != ALIAS and not fullname.startswith(ALIAS + "."):
            return None
        target_name = _target_name(fullname)
        try:
            module = importlib.import_module(target_name)
        except ModuleNotFoundError as error:
            if error.name is not None and target_name.startswith(error.name) \
                    and error.name.startswith(TARGET):
                raise ModuleNotFoundError(
                    f"No module named {fullname!r}: the torch alias maps it to "
                    f"{target_name!r}, which deepgrad lacks ({error.name!r} is missing)",
                    name=fullname) from error
            raise
        return importlib.util.spec_from_loader(fullname, _ExistingModuleLoader(module))


def install():
    """Put the finder first on ``sys.meta_path`` (once); returns it."""
    for finder in sys.meta_path:
        if isinstance(finder, TorchAliasFinder):
            return finder
    if ALIAS in sys.modules:
        raise RuntimeError("the real torch is already imported; install the alias before it")
    finder = TorchAliasFinder()
    sys.meta_path.insert(0, finder)
    return finder
