"""certflow: turns bootcamp progress into verifiable credentials."""
