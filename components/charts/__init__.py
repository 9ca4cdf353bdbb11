"""Analytics charts: each module registers its chart callbacks (components.chart_card.register)."""
