"""The use cases, one function each: plain values in, plain values or read models out.

Web, CLI and Slack are adapters: they parse their input, call one of these and render
its answer. The use cases call the store, which owns every ORM call.
"""
