"""Reading a spec's Python without running it: an abstract interpreter whose values are
shapes, layer rules and the program's own classes (see interpreter.py for the tour)."""
