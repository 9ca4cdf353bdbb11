"""Exports for analysts: CSV and streamed XLSX files, export jobs with progress, saved exports.
"""
