"""wake"""
