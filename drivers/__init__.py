"""plugnet drivers: built-in plugins of this kind."""
