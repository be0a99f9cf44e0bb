"""The ``none`` network driver (``-b none``): networking disabled, the host untouched."""
