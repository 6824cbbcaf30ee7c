"""核酸检测: samples (single and pooled tubes), lab results by form and bulk import, positives."""
