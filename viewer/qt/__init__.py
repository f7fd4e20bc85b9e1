"""The PySide6 viewer: widgets only; logic lives in ``viewer.core``."""
