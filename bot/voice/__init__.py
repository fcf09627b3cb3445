"""Voice adapter: the audio cues played on a stage."""
