"""The Telegram channel: the bot (polling or webhook), stored updates, the request form in a chat,
buttons, linking an email, and delivery of the outbox to chats.
"""
