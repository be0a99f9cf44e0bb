"""Small Linux helpers shared by drivers, backends and the test kit (netns, sysctl).

Nothing here runs at import time.
"""
