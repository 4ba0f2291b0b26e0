from flask import Blueprint
bp = Blueprint("volunteering_staff", __name__)
