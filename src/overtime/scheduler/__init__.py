"""The deadline runner: one loop per process acting on the meetings' stored deadlines."""
