"""mineaction.simulate"""
