"""Population registry (人口登记): households, persons, special groups, import and demo data."""
