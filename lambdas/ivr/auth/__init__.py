"""Authentication: the keypad fallback (knowledge answers, lockouts, enrolment codes) and voice."""
