"""VADER compound scores from the Python vaderSentiment package (the reference the JS scorer is checked against).
Reads a JSON list of texts on stdin, prints a JSON list of {neg, neu, pos, compound}."""
import json
import sys

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

analyzer = SentimentIntensityAnalyzer()
print(json.dumps([analyzer.polarity_scores(t) for t in json.load(sys.stdin)]))
