"""mirakl-recon: reconciliation and monitoring for Mirakl marketplace sellers."""

__version__ = "0.1.0"
