"""wyoming_llm package."""
