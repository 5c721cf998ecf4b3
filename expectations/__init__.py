"""Great Expectations suites over the warehouse: landed-data quality and business breaches.

`suites.all_batches(load_thresholds())` lists what is checked; `runner.evaluate` runs it with GX
and writes the Data Docs. `recon check` and `recon run` call both and store the results in the
warehouse's `monitoring` schema (see recon/checks.py).
"""
