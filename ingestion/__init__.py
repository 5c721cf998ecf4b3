"""dlt sources that land Mirakl and ERP data in the warehouse."""
