"""From a council's landing folder to validated canonical tables and an audit trail."""
