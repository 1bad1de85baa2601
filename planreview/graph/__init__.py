"""The LangGraph pipeline: state (state.py), nodes (nodes.py), wiring (build.py)."""
