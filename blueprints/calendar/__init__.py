"""The working-day calendar: weekends, public holidays and the make-up working days of 调休."""
