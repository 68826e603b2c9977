"""Trend forecasts with Prophet, measured against a seasonal-naive baseline by a rolling-origin backtest."""

from analytics.forecast.backtest import Backtest, backtest
from analytics.forecast.forecaster import ForecastResult, forecast, forecast_series

__all__ = ["Backtest", "ForecastResult", "backtest", "forecast", "forecast_series"]
