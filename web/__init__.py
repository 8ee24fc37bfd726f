"""The public verification site: the page a certificate's QR code opens, and its JSON API."""
