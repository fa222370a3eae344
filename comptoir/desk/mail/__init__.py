"""E-mail: what the desk writes to shoppers and reads back from them (docs/email.md).

``message`` is one outgoing e-mail as data, ``compose`` turns a purpose's words into
one (plain text and HTML from the same blocks, the shop's name and signature), the
outbox keeps every e-mail until an SMTP server has taken it, and the inbound side puts
shoppers' replies back into their ticket.
"""
