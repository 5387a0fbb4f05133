"""Ingest: read sources (files, directories, .gz, stdin), decode lines with declarative parsers, store ECS events."""
