"""The TMF646 Appointment v4 API: commissioning visits and training sessions of completion
cases, booked and settled through the commissioning and training features."""
