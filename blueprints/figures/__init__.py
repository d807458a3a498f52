"""Figures for decisions (科学决策): the 12345 rates per place and period, dashboards, the monthly
assessment (一网考核) and open data. See rates.py for the definitions."""
