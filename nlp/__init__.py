"""Pantau NLP: Indonesian news sentiment and topics (training, evaluation, CPU scoring); see docs/nlp.md."""
