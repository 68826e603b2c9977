"""`python -m analytics COMMAND`: Pulse's command line."""

from analytics.cli import main

raise SystemExit(main())
