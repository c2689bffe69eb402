# Put on PYTHONPATH of a process to make `import hlq` fail there.
import sys


class _Block:
    def find_spec(self, name, path=None, target=None):
        if name == "hlq" or name.startswith("hlq."):
            raise ImportError(f"hlq is blocked in this process (test): {name}")
        return None


sys.meta_path.insert(0, _Block())
