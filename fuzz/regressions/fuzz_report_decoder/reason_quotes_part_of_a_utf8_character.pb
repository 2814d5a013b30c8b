
G
91110000600037Âπ¥L–•LHxP"*bureau-321021L–•LHxP"bure4sub-0001Ä∞‹è÷1 