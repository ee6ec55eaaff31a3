import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("SPATIALCOUPLING_PROGRESS", "0")
