"""The exception queue: a Streamlit app over the warehouse's read snapshot (`recon dashboard`)."""
