"""The LC-KOMP demo programme and synthetic scale data."""
