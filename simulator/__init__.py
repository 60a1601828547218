"""The local contact center: runs whole Amazon Connect calls offline against the real handlers."""
