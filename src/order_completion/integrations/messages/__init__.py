"""Customer messages: kinds and facts (``model``), templates (``rendering``), recipients
(``rules``), ``.ics`` invitations (``calendar``), and the SMTP and TMF681 transports behind one
``Messenger`` interface (``transport``). Import the module you need: each pulls in only its own
third-party library, so reading settings never loads a mail client."""
