"""wyoming_llm: the conversation agent (a Wyoming handle server) that can act on Home Assistant.

Importing this package never imports llama_cpp, hassil or the intents data; engines and the
fast path import them when they are built.
"""
