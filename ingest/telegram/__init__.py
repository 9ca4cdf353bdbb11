"""The Telegram channel: the bot (polling or webhook), stored updates, the request form in a chat,
buttons, linking an email, and delivery of the outbox to chats.
"""
import os

# python-telegram-bot 22 reports time periods (RetryAfter.retry_after) as seconds with a DeprecationWarning,
# raised even while it builds the error; the next major version gives datetime.timedelta. We opt in now (the
# library's documented switch) and read periods as timedelta (out.py, bot.py).
os.environ.setdefault("PTB_TIMEDELTA", "1")
