"""Wake word arbitration: satellites of one household decide which of them answers."""
