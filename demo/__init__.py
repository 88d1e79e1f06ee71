"""Synthetic demo data: coherent adoption journeys, adopters, support and finance, written in
each council's own export layout (see generate_demo)."""

from demo.generate import DEFAULT_AS_OF, generate_demo
from demo.summary import DemoSummary

__all__ = ["DEFAULT_AS_OF", "DemoSummary", "generate_demo"]
