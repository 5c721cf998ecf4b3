"""Local stand-ins for the remote systems mirakl-recon talks to, and the demo world they serve."""
