"""Metrics history: completed and failed jobs per queue and minute, and wait and run times,
counted by the elected live reader and kept as rollups in the board's database (no time-series
database): ``recorder`` counts, ``store`` keeps, ``series`` reads, ``charts`` draws."""
