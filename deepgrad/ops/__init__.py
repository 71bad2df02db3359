"""The ops, grouped by family. Each family is a module of Function classes plus
lowercase functional wrappers; ``deepgrad/__init__.py`` loads them after Tensor."""
