"""Draft codes for coders: features, the multi-label model, calibration, explanations, persistence, evaluation."""
