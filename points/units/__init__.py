"""The five-level unit tree: district → street → community → compound → building."""
