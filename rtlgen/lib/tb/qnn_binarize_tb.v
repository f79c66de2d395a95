// Test bench of qnn_binarize and qnn_rom. Prints PASS or FAIL.
module qnn_binarize_tb;
  reg  [31:0] pix;
  wire [3:0]  bits;
  wire [3:0]  bits_never;
  wire [31:0] pass;

  qnn_binarize #(.InPix(4), .Bits(1), .Threshold(128)) u_bin   (.pix_i(pix), .elem_o(bits));
  qnn_binarize #(.InPix(4), .Bits(1), .Threshold(256)) u_never (.pix_i(pix), .elem_o(bits_never));
  qnn_binarize #(.InPix(4), .Bits(8), .Threshold(0))   u_pass  (.pix_i(pix), .elem_o(pass));

  reg        clk, en;
  reg  [2:0] addr;
  wire [11:0] rom;
  qnn_rom #(.Depth(5), .Width(12), .AddrWidth(3), .InitFile("qnn_rom_tb.mem"))
    u_rom (.clk_i(clk), .en_i(en), .addr_i(addr), .data_o(rom));

  integer n, j, errors, seed;
  reg [3:0] want;

  initial begin
    errors = 0;
    seed = 3;
    for (n = 0; n < 1000; n = n + 1) begin
      pix = $random(seed);
      #1;
      for (j = 0; j < 4; j = j + 1) want[j] = pix[8*j +: 8] >= 128;
      if (bits !== want || bits_never !== 4'b0000 || pass !== pix) begin
        errors = errors + 1;
        if (errors < 5) $display("FAIL binarize %h: got %b %b %h", pix, bits, bits_never, pass);
      end
    end
    // ROM: words 0..4 are 12'h100 + address; the output holds while en = 0.
    clk = 0; en = 1;
    for (n = 0; n < 5; n = n + 1) begin
      addr = n; #1 clk = 1; #1 clk = 0;
      if (rom !== 12'h100 + n) begin
        errors = errors + 1;
        $display("FAIL rom[%0d] = %h", n, rom);
      end
    end
    en = 0; addr = 0; #1 clk = 1; #1 clk = 0;
    if (rom !== 12'h104) begin
      errors = errors + 1;
      $display("FAIL rom did not hold: %h", rom);
    end
    if (errors == 0) $display("PASS qnn_binarize_tb");
    else $display("FAIL qnn_binarize_tb: %0d errors", errors);
    $finish;
  end
endmodule
